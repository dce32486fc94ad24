// The token login, shown only when the server answers 401: the token is kept in sessionStorage (this tab only)
// and sent as `Authorization: Bearer …`.
import { forgetToken, getJson, storeToken, Unauthorized } from './api.js';
import { fill, h } from './dom.js';

/** Renders the login into `main`; resolves with the session once a token is accepted. */
export function showLogin(main, { rejected = false } = {}) {
  return new Promise((resolve) => {
    const input = h('input', {
      type: 'password',
      id: 'token',
      name: 'token',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      placeholder: 'sortie_…',
      'aria-describedby': 'token-help',
    });
    const error = h('div', { class: 'form-error', role: 'alert', hidden: !rejected }, 'That token was not accepted. It may be revoked or mistyped.');
    const submit = h('button', { class: 'btn primary', type: 'submit' }, 'Sign in');
    const form = h(
      'form',
      {
        on: {
          submit: async (ev) => {
            ev.preventDefault();
            const token = input.value.trim();
            if (!token) return;
            submit.disabled = true;
            storeToken(token);
            try {
              const session = await getJson('/api/session');
              resolve(session);
            } catch (e) {
              forgetToken();
              error.hidden = false;
              error.textContent = e instanceof Unauthorized ? 'That token was not accepted. It may be revoked or mistyped.' : `Could not sign in: ${e.message}`;
              input.select();
            } finally {
              submit.disabled = false;
            }
          },
        },
      },
      h('label', { class: 'field', for: 'token' }, 'Access token', input),
      h('p', { id: 'token-help', class: 'muted' }, 'Ask an admin for one: sortie token create --agent NAME --role viewer. It stays in this tab only.'),
      error,
      submit,
    );
    fill(
      main,
      h(
        'section',
        { class: 'panel login', 'aria-labelledby': 'login-h', dataset: { view: 'login' } },
        h('h1', { id: 'login-h' }, 'Sign in to Sortie'),
        h('p', {}, 'This server requires an access token.'),
        form,
      ),
    );
    input.focus();
  });
}
