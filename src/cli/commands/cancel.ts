/** `cancel`: stop a run (typically one paused on audience_shrink whose removals are not wanted). */
import { Command } from 'commander';
import { CANCELLED_MESSAGE } from '../../names';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { examples } from '../options';

/** How long `cancel` waits to see the run end; a run with no worker polling ends when one returns. */
const CANCEL_WAIT_MS = 15_000;

async function cancelRun(ctx: CliContext, workflowId: string): Promise<void> {
  const client = await ctx.client();
  const handle = client.workflow.getHandle(workflowId);
  const before = (await handle.describe()).status.name; // WorkflowNotFoundError -> one sentence, exit 2
  if (before !== 'RUNNING') {
    throw usageError(`run '${workflowId}' has already ended (${before.toLowerCase()}), so there is nothing to cancel`);
  }
  await handle.cancel();
  const ended = await Promise.race([
    handle.result().then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), CANCEL_WAIT_MS).unref()),
  ]);
  if (!ended) {
    ctx.print(
      `Asked ${workflowId} to cancel; it has not ended yet (is a worker polling task queue '${ctx.settings.taskQueue}'?). ` +
        `Check with: klaviyo-audience-sync status ${workflowId}`,
    );
    return;
  }
  const after = (await handle.describe()).status.name;
  // The run may have finished on its own just before the request reached it.
  ctx.print(after === 'CANCELLED' ? `Run ${workflowId}: ${CANCELLED_MESSAGE}.` : `Run ${workflowId} ended ${after.toLowerCase()} before the cancellation took effect.`);
}

export function cancelCommand(ctx: CliContext): Command {
  return new Command('cancel')
    .description('cancel a run: it stops where it is and does nothing more to the list (e.g. a paused run whose removals are not wanted)')
    .argument('<workflow-id>', 'the run to cancel')
    .addHelpText('after', examples(['klaviyo-audience-sync cancel audience-sync-spring-vip-2026-08-01T06:00:00Z']))
    .action((workflowId: string) => cancelRun(ctx, workflowId));
}
