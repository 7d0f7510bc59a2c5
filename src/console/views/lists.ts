/** Lists (each synced list: last run, members, next scheduled run) and Schedules (pause, unpause, trigger now). */
import { html } from 'hono/html';
import { consoleRunPath } from '../../runLinks';
import type { ConsoleList, ConsoleRun } from '../runHistory';
import type { ScheduleRow } from '../temporalControl';
import { number, postButton, runLink, since, stateBadge, temporalUiLink, timeTag, type PageContext } from './common';

export interface ListRow {
  list: string;
  listId?: string;
  lastRun?: ConsoleRun;
  /** From the store's member rows, else from the newest completed run that counted them. */
  members?: { count: number; at?: Date; stored: boolean };
  schedule?: ScheduleRow;
}

/** One row per list: the lists the sync-state store knows, any other list of the newest runs, their schedules. */
export function listRows(runs: ConsoleRun[], schedules: ScheduleRow[], stored: ConsoleList[] = []): ListRow[] {
  const rows: ListRow[] = stored.map((l) => ({
    list: l.list,
    listId: l.listId,
    lastRun: l.lastRun,
    members: { count: l.members, at: l.syncedAt, stored: true },
  }));
  // The same list by id where both know it, else by what the operator called it.
  const rowOf = (list: string, listId?: string) => rows.find((r) => (listId && r.listId ? r.listId === listId : r.list === list || r.listId === list));
  for (const run of runs) {
    if (!run.list || run.dryRun) continue;
    let row = rowOf(run.list, run.listId);
    if (!row) rows.push((row = { list: run.list, listId: run.listId }));
    row.listId ??= run.listId;
    // Temporal's view of the store's last run is the fresher one (a run in progress, why one failed).
    if (!row.lastRun || run.startedAt > row.lastRun.startedAt || (run.runKey && run.runKey === row.lastRun.runKey)) row.lastRun = run;
    const members = run.report?.listMembers;
    if (members !== undefined && !row.members?.stored && (!row.members?.at || (run.closedAt && run.closedAt > row.members.at))) {
      row.members = { count: members, at: run.closedAt, stored: false };
    }
  }
  for (const schedule of schedules) {
    const row = schedule.list ? rowOf(schedule.list) : undefined;
    if (row) row.schedule = schedule;
  }
  return rows.sort((a, b) => a.list.localeCompare(b.list));
}

function nextRun(schedule: ScheduleRow | undefined) {
  if (!schedule) return html`<span class="muted">not scheduled</span>`;
  if (schedule.paused) return html`<span class="muted">schedule paused</span>`;
  return timeTag(schedule.nextRunAt);
}

export function listsContent(ctx: PageContext, rows: ListRow[]) {
  return html`<h1>Lists</h1>
<p class="lede">Every Klaviyo list the sync-state store keeps members for, and any other list synced by this task queue's recent runs. ${
  ctx.storeNotice ? "Members are as the list's last completed run counted them." : "Members are the store's count of the list's members as the last sync left them."
}</p>
${
  rows.length
    ? html`<table>
  <caption class="visually-hidden">Synced lists</caption>
  <thead><tr><th scope="col">List</th><th scope="col">Last run</th><th scope="col" class="num">Members</th><th scope="col">Next scheduled run</th><th scope="col">Elsewhere</th></tr></thead>
  <tbody>${rows.map(
    (row) => html`<tr>
    <th scope="row">${row.list}</th>
    <td>${
      row.lastRun
        ? html`${stateBadge(row.lastRun.state)} ${runLink(row.lastRun)}<br><span class="small muted">started ${since(row.lastRun.startedAt, ctx.now)} ago</span>`
        : html`<span class="muted">no run kept</span>`
    }</td>
    <td class="num">${row.members ? html`${number(row.members.count)}<br><span class="small muted">as of ${timeTag(row.members.at)}</span>` : '—'}</td>
    <td>${nextRun(row.schedule)}${row.schedule ? html`<br><span class="small muted">${row.schedule.timing}</span>` : ''}</td>
    <td>${row.schedule ? html`<a href="/schedules">Schedule</a> ` : ''}${row.lastRun ? temporalUiLink(ctx, row.lastRun) : ''}</td>
  </tr>`,
  )}</tbody>
</table>`
    : html`<p class="empty">No list has been synced yet by this task queue's recent runs.</p>`
}`;
}

export function schedulesContent(ctx: PageContext, schedules: ScheduleRow[]) {
  return html`<h1>Schedules</h1>
<p class="lede">Scheduled refreshes. A schedule skips its times while its previous run is still going, including a run paused on an action.</p>
${
  schedules.length
    ? html`<table>
  <caption class="visually-hidden">Audience sync schedules</caption>
  <thead><tr><th scope="col">List</th><th scope="col">When</th><th scope="col">State</th><th scope="col">Next run</th><th scope="col">Actions</th></tr></thead>
  <tbody>${schedules.map((s, i) => {
    const id = `schedule-${i}`;
    return html`<tr>
    <th scope="row" id="${id}">${s.list ?? s.scheduleId}<br><span class="small muted">${s.scheduleId}</span></th>
    <td>${s.timing}</td>
    <td>${s.paused ? html`<span class="badge badge-paused">Paused</span>${s.note ? html`<br><span class="small muted">${s.note}</span>` : ''}` : html`<span class="badge badge-active">Active</span>`}${
      s.runningWorkflowId ? html`<br><span class="small">running: <a href="${consoleRunPath(s.runningWorkflowId)}">${s.runningWorkflowId}</a></span>` : ''
    }</td>
    <td>${s.paused ? '—' : timeTag(s.nextRunAt)}</td>
    <td class="actions-cell">${
      s.paused
        ? postButton(ctx, `/schedules/${encodeURIComponent(s.scheduleId)}/unpause`, 'Unpause', { describedBy: id })
        : postButton(ctx, `/schedules/${encodeURIComponent(s.scheduleId)}/pause`, 'Pause', { describedBy: id })
    } ${postButton(ctx, `/schedules/${encodeURIComponent(s.scheduleId)}/trigger`, 'Trigger now', { describedBy: id })}</td>
  </tr>`;
  })}</tbody>
</table>`
    : html`<p class="empty">No audience sync schedules on this task queue. Create one with <code>npx klaviyo-audience-sync schedule create</code>.</p>`
}`;
}
