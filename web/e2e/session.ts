import type { BrowserContext, Page } from 'playwright-core';

/**
 * Signing in and calling the API as a signed-in browser, shared by the browser tests. The session
 * cookie lives in the context; `Origin` is what the app's own fetch sends (the CSRF rule).
 */

/** Signs in through the login form and waits for the runs list. With `from`, the page first opens
 *  that path and must be sent to the login page (a signed-out visit). */
export async function signIn(
  ctx: BrowserContext,
  webUrl: string,
  username: string,
  password: string,
  opts: { from?: string } = {},
): Promise<Page> {
  const page = await ctx.newPage();
  if (opts.from) {
    await page.goto(`${webUrl}${opts.from}`);
    await page.waitForURL(/\/login/);
  } else await page.goto(`${webUrl}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/runs$/);
  return page;
}

export interface ApiReply<T> {
  status: number;
  body: T;
}

/** One API call with the context's session; the body is the parsed JSON, or undefined. */
export async function apiCall<T = Record<string, unknown>>(
  ctx: BrowserContext,
  webUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  data?: unknown,
): Promise<ApiReply<T>> {
  const res = await ctx.request.fetch(`${webUrl}${url}`, {
    method,
    data,
    headers: { origin: webUrl, ...(data ? { 'content-type': 'application/json' } : {}) },
  });
  return { status: res.status(), body: (await res.json().catch(() => undefined)) as T };
}
