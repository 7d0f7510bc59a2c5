/**
 * The run's *current details*: markdown the Temporal UI shows on the run's page (set with
 * setCurrentDetails), so an operator sees what the run is doing, and while it is paused the action's
 * title, message, numbered steps and how to resume, without running a query.
 */
import { stepLabel } from '../cli/format';
import { RESOLVE_SIGNAL, type SyncStatus } from '../shared';

/** Text from input or Klaviyo (list names) must not turn into markdown formatting or links. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|~]/g, '\\$&');
}

const count = (n: number) => n.toLocaleString('en-US');
const rows = (n: number) => `${count(n)} row${n === 1 ? '' : 's'}`;

function listOf(s: SyncStatus): string {
  if (s.listName) return `list "${escapeMarkdown(s.listName)}"`;
  return s.listId ? `list ${escapeMarkdown(s.listId)}` : 'the list';
}

function progress(s: SyncStatus): string[] {
  const c = s.counts;
  if (!c.batchesTotal) return [];
  const sent = s.dryRun ? `${rows(c.rowsRead)} checked` : `${count(c.profilesImported)} profiles sent`;
  return [`Batches ${count(c.batchesDone)} of ${count(c.batchesTotal)} · ${sent} · ${rows(c.rowsRejected)} rejected so far.`];
}

function pausedDetails(s: SyncStatus, workflowId: string): string[] {
  const action = s.action!;
  return [
    `## Needs action: ${action.title}`,
    `Paused since ${action.since} at step "${stepLabel(s.step, s)}" of the sync of ${listOf(s)} (action \`${action.code}\`).`,
    action.message,
    action.steps.map((step, i) => `${i + 1}. ${step}`).join('\n'),
    `**To continue:** once the cause is fixed, send the \`${RESOLVE_SIGNAL}\` signal (Signal → \`${RESOLVE_SIGNAL}\`, no input), ` +
      `or run \`npx klaviyo-audience-sync ${RESOLVE_SIGNAL} ${workflowId}\`. The run repeats the step that stopped.`,
  ];
}

export function currentDetails(s: SyncStatus, workflowId: string): string {
  const what = s.dryRun ? 'Dry run of the sync of' : 'Syncing';
  switch (s.state) {
    case 'needs_action':
      if (s.action) return pausedDetails(s, workflowId).join('\n\n');
      break;
    case 'waiting_for_list':
      return `**Waiting for ${listOf(s)}:** run \`${s.waitingFor ?? 'another run'}\` is syncing it; this run starts by itself when that one ends (one run writes to a list at a time).`;
    case 'completed': {
      const c = s.counts;
      const sent = s.dryRun ? `${rows(c.rowsRead)} checked, nothing written` : `${count(c.profilesImported)} profiles sent, ${count(c.removed)} removed`;
      return `**Completed:** ${listOf(s)}: ${sent}, ${rows(c.rowsRejected)} rejected.`;
    }
    case 'failed':
      return `**Failed:** ${s.error ?? 'see the failure below'}`;
    case 'cancelled':
      return `**Cancelled:** ${s.message ?? 'the run was cancelled'}`;
  }
  return [`**${what} ${listOf(s)}:** ${stepLabel(s.step, s)}.`, ...progress(s)].join('\n\n');
}
