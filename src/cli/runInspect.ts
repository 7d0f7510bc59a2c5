/** Reading a run: its Temporal state and, while a worker answers, its `status` query. */
import type { Client, WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { STATUS_QUERY } from '../names';
import type { SyncStatus } from '../shared';

export interface RunView {
  handle: WorkflowHandle;
  description: WorkflowExecutionDescription;
  /** Temporal's execution status name: RUNNING, COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT, ... */
  temporalStatus: string;
  /** From the `status` query; undefined when no worker answered. */
  status?: SyncStatus;
  queryError?: string;
}

/**
 * Throws WorkflowNotFoundError for an unknown id (the CLI turns it into exit code 2). A completed run is
 * not queried unless `queryCompleted`: its report says more, and a query makes a worker replay the run.
 */
export async function inspectRun(client: Client, workflowId: string, { queryCompleted = true } = {}): Promise<RunView> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const view: RunView = { handle, description, temporalStatus: description.status.name };
  if (view.temporalStatus === 'COMPLETED' && !queryCompleted) return view;
  try {
    view.status = await handle.query<SyncStatus>(STATUS_QUERY);
  } catch (err) {
    view.queryError = (err as Error).message;
  }
  return view;
}
