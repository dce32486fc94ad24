// The mission page's pilot actions: move the mission (with a reason where the move needs one) and report progress.
import { ApiError, postJson } from '../api.js';
import { clear, fill, h, STATUS_LABEL, toast } from '../dom.js';

function errorBox(error) {
  return h('div', { class: 'form-error', role: 'alert' }, error.message, error.hint ? h('span', { class: 'hint' }, error.hint) : null);
}

/**
 * @param {{ ctx: import('../view.js').ViewContext, missionId: () => string, reload: () => Promise<void> }} page
 * @returns {import('../view.js').Panel}
 */
export function actionsPanel(page) {
  const el = h('div', { class: 'actions', 'aria-label': 'Pilot actions' });
  /** What the actions were drawn from; null until the first draw. */
  let drawnSig = null;
  /** Set by a successful action: the next draw rebuilds the actions even though they were being edited. */
  let force = false;

  const path = (what) => `/api/missions/${encodeURIComponent(page.missionId())}/${what}`;

  async function act(what, body, done, statusEl) {
    clear(statusEl);
    try {
      await postJson(path(what), body);
      toast(done);
      force = true;
      await page.reload();
    } catch (error) {
      if (error instanceof ApiError) statusEl.append(errorBox(error));
      else page.ctx.handleError(error);
    }
  }

  function moveRow(m, moves, status) {
    const row = h('div', { class: 'row' });
    const reasonRow = h('div', { class: 'row', hidden: true, dataset: { reason: '' } });
    if (moves.length === 0) row.append(h('span', { class: 'muted' }, `${STATUS_LABEL[m.status]} is final.`));
    for (const move of moves) {
      const moved = `Moved to ${STATUS_LABEL[move.to]}`;
      row.append(
        h(
          'button',
          {
            class: ['btn', move.to === 'cancelled' ? 'danger' : 'primary'],
            type: 'button',
            dataset: { move: move.to },
            on: {
              click: () => {
                if (!move.needsReason) return act('status', { status: move.to }, moved, status);
                const input = h('input', {
                  type: 'text',
                  'aria-label': `Reason to move to ${STATUS_LABEL[move.to]}`,
                  placeholder: 'Reason (required)',
                  maxlength: '2000',
                });
                fill(
                  reasonRow,
                  input,
                  h(
                    'button',
                    { class: 'btn primary', type: 'button', on: { click: () => act('status', { status: move.to, reason: input.value }, moved, status) } },
                    `Confirm ${STATUS_LABEL[move.to].toLowerCase()}`,
                  ),
                  h('button', { class: 'btn', type: 'button', on: { click: () => (reasonRow.hidden = true) } }, 'Back'),
                );
                reasonRow.hidden = false;
                input.focus();
              },
            },
          },
          move.to === 'cancelled' ? 'Cancel mission' : `Move to ${STATUS_LABEL[move.to]}`,
        ),
      );
    }
    return [row, reasonRow];
  }

  function progressForm(m, status) {
    const value = h('input', {
      type: 'number',
      min: '0',
      max: '100',
      step: '1',
      value: m.progress ?? '',
      'aria-label': 'Reported progress (0 to 100)',
      name: 'progress',
    });
    const note = h('input', { type: 'text', placeholder: 'Note (optional)', 'aria-label': 'Progress note', maxlength: '5000', name: 'note' });
    return h(
      'form',
      {
        class: 'row',
        on: {
          submit: (ev) => {
            ev.preventDefault();
            const n = Number(value.value);
            act('progress', { progress: n, ...(note.value.trim() ? { note: note.value.trim() } : {}) }, `Progress set to ${n}%`, status);
          },
        },
      },
      h('label', { class: 'field' }, 'Progress %', value),
      note,
      h('button', { class: 'btn', type: 'submit' }, 'Report'),
    );
  }

  function draw(data) {
    const { permissions, moves } = data;
    const m = data.mission;
    if (!permissions.move && !permissions.progress) {
      fill(el, h('h2', {}, 'Actions'), h('p', { class: 'muted' }, 'Read only: moving the mission and reporting progress are for its pilot.'));
      return;
    }
    const status = h('div', { class: 'status-region', role: 'status', 'aria-live': 'polite' });
    fill(el, h('h2', {}, 'Pilot actions'), permissions.move ? moveRow(m, moves, status) : null, permissions.progress ? progressForm(m, status) : null, status);
  }

  return {
    el,
    update(data) {
      // A live refresh must not wipe what the pilot is typing: the actions are redrawn only when they changed and
      // nobody is editing them (or right after one of them succeeded).
      const m = data.mission;
      const sig = JSON.stringify([m.status, m.progress, data.moves, data.permissions]);
      const editing =
        el.contains(document.activeElement) ||
        [...el.querySelectorAll('input')].some((i) => i.value !== i.defaultValue) ||
        el.querySelector('[data-reason]:not([hidden])') !== null;
      if (drawnSig === null || (sig !== drawnSig && (!editing || force))) {
        draw(data);
        drawnSig = sig;
      }
      force = false;
    },
  };
}
