/** The sign-in form for a console reached over the network (CONSOLE_TOKEN). */
import { html } from 'hono/html';

export function loginContent(csrf: string, next: string, failed: boolean) {
  return html`<h1>Sign in</h1>
<p class="lede">This console listens beyond this machine, so it asks for the access token its operator set in <code>CONSOLE_TOKEN</code>.</p>
${failed ? html`<p class="flash flash-error" role="alert" id="login-error">That token is not the console's token.</p>` : ''}
<form method="post" action="/login" class="login-form">
  <input type="hidden" name="_csrf" value="${csrf}">
  <input type="hidden" name="next" value="${next}">
  <label for="token">Access token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus${failed ? html` aria-describedby="login-error"` : ''}>
  <button type="submit" class="button button-primary">Sign in</button>
</form>`;
}
