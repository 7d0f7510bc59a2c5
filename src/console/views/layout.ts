/** The page shell: skip link, navigation, the attention banner, the flash message, the main content. */
import { html } from 'hono/html';
import { csrfField, type PageContext } from './common';

export type Section = 'needs-action' | 'runs' | 'lists' | 'schedules' | 'login';

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'needs-action', href: '/needs-action', label: 'Needs action' },
  { section: 'runs', href: '/runs', label: 'Runs' },
  { section: 'lists', href: '/lists', label: 'Lists' },
  { section: 'schedules', href: '/schedules', label: 'Schedules' },
];

export interface Flash {
  ok: boolean;
  message: string;
}

export function layout(opts: { title: string; section: Section; ctx?: PageContext; flash?: Flash; body: unknown }) {
  const { ctx } = opts;
  const paused = ctx?.pausedCount ?? 0;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · Audience sync console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
<noscript><meta http-equiv="refresh" content="15"></noscript>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
  <div class="top-inner">
    <p class="brand"><a href="/">Audience sync</a> <span class="namespace">namespace ${ctx?.namespace ?? ''}</span></p>
    ${
      ctx
        ? html`<nav aria-label="Console">
      <ul>
        ${NAV.map(
          (item) => html`<li><a href="${item.href}"${item.section === opts.section ? html` aria-current="page"` : ''}>${item.label}${
            item.section === 'needs-action' && paused > 0 ? html` <span class="count" data-live-count>${paused}</span>` : ''
          }</a></li>`,
        )}
      </ul>
    </nav>
    ${
      ctx.signedIn
        ? html`<form method="post" action="/logout" class="inline-form signout">${csrfField(ctx)}<button type="submit" class="link-button">Sign out</button></form>`
        : ''
    }`
        : ''
    }
  </div>
</header>
${
  paused > 0 && opts.section !== 'needs-action'
    ? html`<div class="attention" role="status"><div class="attention-inner"><strong>${paused === 1 ? 'A workflow needs' : `${paused} workflows need`} attention.</strong> <a href="/needs-action">See what to do</a></div></div>`
    : ''
}
<main id="main" tabindex="-1">
${ctx?.storeNotice ? html`<p class="notice">${ctx.storeNotice}</p>` : ''}
${opts.flash ? html`<div class="flash ${opts.flash.ok ? 'flash-ok' : 'flash-error'}" role="${opts.flash.ok ? 'status' : 'alert'}">${opts.flash.message}</div>` : ''}
${opts.body}
</main>
</body>
</html>`;
}
