// The mission page's deliverables and evidence: each deliverable with its state and evidence, the mission's other
// evidence, the tasks' evidence, and what still stands between the mission and complete.
import { externalLink, fill, h, isOpenMission, plural } from '../dom.js';

/** One evidence item with its verification, its tier (and why it is not ci), and its PR's checks; also used by the task detail. */
export function evidenceItem(e) {
  const value = e.link ? externalLink(e.link, e.value) : h('span', { class: 'mono' }, e.value);
  return h(
    'li',
    { class: e.supersededBy ? 'superseded' : null, dataset: { evidenceId: e.id } },
    h('span', { class: 'kind' }, e.kind.replace('_', ' ')),
    value,
    h('span', { class: ['badge', e.verification], title: e.verificationDetail ?? `Verification: ${e.verification}` }, e.verification),
    h('span', { class: ['badge', 'tier', `tier-${e.tier}`], title: e.tierWhy ?? `Tier: ${e.tier}`, dataset: { tier: e.tier } }, e.tier),
    e.checksLink ? externalLink(e.checksLink, 'checks') : null,
    e.tierWhy ? h('span', { class: 'muted tier-why' }, e.tierWhy) : null,
    e.note ? h('span', { class: 'muted' }, e.note) : null,
  );
}

function deliverable(d) {
  return h(
    'div',
    { class: 'deliverable', dataset: { deliverable: d.name, state: d.state } },
    h('div', { class: 'head' }, h('h3', {}, d.name), h('span', { class: ['badge', d.state] }, d.state)),
    d.description ? h('div', { class: 'desc' }, d.description) : null,
    h('div', { class: 'muted' }, `Accepts ${d.acceptedKinds.join(', ').replaceAll('_', ' ')}`),
    d.evidence.length ? h('ul', { class: 'evidence' }, d.evidence.map(evidenceItem)) : null,
  );
}

/** @returns {import('../view.js').Panel} */
export function evidencePanel() {
  const body = h('div', { class: 'body' });
  const el = h('section', { class: 'panel', 'aria-labelledby': 'deliv-h' }, h('header', {}, h('h2', { id: 'deliv-h' }, 'Deliverables & evidence')), body);

  return {
    el,
    update(data) {
      const out = data.deliverables.map(deliverable);
      const loose = data.mission.evidence.filter((e) => !e.deliverable);
      if (loose.length) out.push(h('div', { class: 'deliverable' }, h('h3', {}, 'Mission evidence'), h('ul', { class: 'evidence' }, loose.map(evidenceItem))));
      const taskEvidence = data.mission.tasks.filter((t) => t.evidence.length);
      if (taskEvidence.length) {
        const items = taskEvidence.reduce((n, t) => n + t.evidence.length, 0);
        // Whether the reader opened or closed the task evidence survives a refresh.
        const wasOpen = body.querySelector('details.task-evidence')?.open;
        out.push(
          h(
            'details',
            { class: 'deliverable task-evidence', open: wasOpen ?? taskEvidence.length <= 6 },
            h('summary', {}, h('h3', {}, `Task evidence · ${plural(items, 'item')} from ${plural(taskEvidence.length, 'task')}`)),
            taskEvidence.map((t) => [
              h('div', { class: 'muted', dataset: { evidenceTask: t.taskId } }, `${t.key ?? ''} ${t.title}`),
              h('ul', { class: 'evidence' }, t.evidence.map(evidenceItem)),
            ]),
          ),
        );
      }
      if (!out.length) out.push(h('p', { class: 'muted' }, 'No deliverables or evidence yet.'));
      if (data.evidenceProblems.length && isOpenMission(data.mission.status)) {
        out.push(
          h('h3', { class: 'gate' }, 'Before it can complete'),
          h(
            'ul',
            { class: 'problems' },
            data.evidenceProblems.map((p) => h('li', {}, p)),
          ),
        );
      }
      if (!data.repoUrl && out.length) out.push(h('p', { class: 'muted' }, 'Set the project URL (sortie project set --url) to link commits and PRs.'));
      fill(body, ...out);
    },
  };
}
