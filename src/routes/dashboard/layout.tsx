/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";
import { LIVE_SCRIPT_HASH } from "./live";
import { SlackNotice } from "./slack-notice";
import { CSS } from "./styles";

/**
 * The dashboard's frame: the page layout, live regions, status badges, the message and sign-in
 * pages. Server-rendered with Hono JSX, which escapes every value: request text is shown as text,
 * never markup. One script, for live updates (live.ts).
 */

export const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const time = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "");

/** The query string of the filters that are set. */
export const filterQuery = (f: Partial<Record<string, string | undefined>>) =>
  new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => Boolean(e[1]))).toString();

/** What a live region carries: where to ask for its next version, the version shown, and whether to keep asking. */
export interface LiveState {
  src: string;
  version: string;
  live: boolean;
  /** Said after an update (the live status line), e.g. "2 pending". */
  summary: string;
}

/** The part of a page that live updates replace (its fragment route renders just this). */
export const LiveRegion: FC<{ state: LiveState; children?: Child }> = ({ state, children }) => (
  <div id="live" data-live-src={state.src} data-version={state.version} data-live={String(state.live)} data-summary={state.summary}>
    {children}
  </div>
);

/** Where the live updates say what they did (read out by screen readers, politely). */
export const LiveStatus: FC = () => <p id="live-status" class="live-status" role="status" aria-live="polite" />;

export const Status: FC<{ status: string }> = ({ status }) => <span class={`status ${status}`}>{status}</span>;

/**
 * Every page: a skip link, the header with the pages, the title. `live` adds the live-update
 * script, allowed by its hash (the CSP in index.tsx names the same one).
 */
export const Layout: FC<{ title: string; nav?: "requests" | "overview"; live?: boolean; children?: Child }> = ({ title, nav, live, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>{`${title} · Approvals dashboard`}</title>
      <link rel="icon" href="data:," />
      {/* A constant of this file, never user text: it must not be HTML-escaped (quotes in font names). */}
      <style dangerouslySetInnerHTML={{ __html: CSS }} />
      {live && <script src={`/dashboard/live.js?v=${encodeURIComponent(LIVE_SCRIPT_HASH.slice(7, 19))}`} integrity={LIVE_SCRIPT_HASH} defer />}
    </head>
    <body>
      <a href="#main" class="skip">
        Skip to content
      </a>
      <header>
        <a href="/dashboard" class="brand">
          Approvals · audit dashboard
        </a>
        {nav && (
          <nav aria-label="Dashboard">
            <a href="/dashboard" aria-current={nav === "requests" ? "page" : undefined}>
              Requests
            </a>
            <a href="/dashboard/overview" aria-current={nav === "overview" ? "page" : undefined}>
              Overview
            </a>
          </nav>
        )}
      </header>
      <main id="main" tabindex={-1}>
        <SlackNotice />
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

export const MessagePage: FC<{ title: string; text: string }> = ({ title, text }) => (
  <Layout title={title}>
    <p>{text}</p>
  </Layout>
);

/** The sign-in form: the token goes in a POST body, never in an address. */
export const SignInPage: FC<{ problem?: string | undefined; next: string }> = ({ problem, next }) => (
  <Layout title="Sign in">
    {problem && (
      <p class="problem" role="alert">
        {problem}
      </p>
    )}
    <form method="post" action="/dashboard/sign-in" class="filters">
      <input type="hidden" name="next" value={next} />
      <label>
        API token
        <input type="password" name="token" autocomplete="current-password" required />
      </label>
      <button type="submit">Sign in</button>
    </form>
    <p class="note">The API_TOKEN secret. It sets a cookie for this browser for 8 hours; scripts can send Authorization: Bearer … instead.</p>
  </Layout>
);
