/** Reading a run: its Temporal state and, while it is open, its `status` query. */
import type { Client, WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { STATUS_QUERY, type SyncStatus } from '../shared';

export interface RunView {
  handle: WorkflowHandle;
  description: WorkflowExecutionDescription;
  /** Temporal's execution status name: RUNNING, COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT, ... */
  temporalStatus: string;
  /** From the `status` query; undefined when no worker answered. */
  status?: SyncStatus;
  queryError?: string;
}

/** Throws WorkflowNotFoundError for an unknown id (the CLI turns it into exit code 2). */
export async function inspectRun(client: Client, workflowId: string): Promise<RunView> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const view: RunView = { handle, description, temporalStatus: description.status.name };
  try {
    view.status = await handle.query<SyncStatus>(STATUS_QUERY);
  } catch (err) {
    view.queryError = (err as Error).message;
  }
  return view;
}
