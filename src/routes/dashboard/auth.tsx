/** @jsxImportSource hono/jsx */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { loadConfig } from "../../config";
import { checkBearer, checkToken, clientAddress, sameSecret, type TokenCheck } from "../../core/api-token";
import type { AppEnv } from "../../env";
import { MessagePage, SignInPage } from "./layout";

/**
 * Who may see the dashboard: API_TOKEN, as a bearer token (scripts) or through the sign-in form,
 * which sets a session cookie (people). Wrong tokens are throttled per client (core/api-token).
 */

const COOKIE = "approvals_dashboard";
const SESSION_SECONDS = 8 * 3600;
const encoder = new TextEncoder();

/**
 * The cookie holds `<expiry>.<HMAC(API_TOKEN, "session|" + expiry)>`, never the token itself; the
 * server checks the expiry, so a copied cookie stops working after 8 hours.
 */
async function sessionValue(token: string, expires: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`session|${expires}`));
  return `${expires}.${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function validSession(cookie: string, token: string): Promise<boolean> {
  const expires = Number(cookie.split(".")[0]);
  if (!Number.isInteger(expires) || expires < Math.floor(Date.now() / 1000)) return false;
  return sameSecret(cookie, await sessionValue(token, expires));
}

/**
 * wrangler dev serves on 127.0.0.1 / localhost. A loopback host alone is not proof of local dev
 * (another Worker could call this one through a service binding with such a URL), so the open
 * door also needs LOCAL_DEV=true, which only `npm run dev` and the tests set.
 */
export const isLoopback = (host: string) => host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);

/** Lets a signed-in person, a script with the bearer token, or local dev through; signs in on POST /dashboard/sign-in. */
export const dashboardAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
  const url = new URL(c.req.url);
  if (c.env.LOCAL_DEV === "true" && isLoopback(url.hostname)) return next();

  const token = loadConfig(c.env).API_TOKEN;
  if (!token) return c.html(<MessagePage title="Dashboard off" text="Set the API_TOKEN secret to use the dashboard." />, 503);

  if (c.req.method === "POST" && url.pathname === "/dashboard/sign-in") {
    // The token travels in a POST body, never in an address (addresses end up in logs and history).
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const given = typeof form.token === "string" ? form.token : "";
    const check = given ? await checkToken(c.env.KV, clientAddress(c.req.raw.headers), given, token) : null;
    if (check?.locked) return paused(c, check);
    if (!check?.ok) return denied(c, "That token is not right.");
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    setCookie(c, COOKIE, await sessionValue(token, expires), {
      httpOnly: true,
      secure: url.protocol === "https:",
      sameSite: "Strict",
      path: "/dashboard",
      maxAge: SESSION_SECONDS,
    });
    const next = typeof form.next === "string" && /^\/dashboard(\/[\w./-]*)?(\?[\w=&%.:-]*)?$/.test(form.next) ? form.next : "/dashboard";
    return c.redirect(next, 303);
  }
  // A signed-in session is not a guess: it is never throttled, whoever shares the address.
  const cookie = getCookie(c, COOKIE);
  if (cookie && (await validSession(cookie, token))) return next();
  const check = await checkBearer(c.env.KV, c.req.raw.headers, token);
  if (check?.ok) return next();
  if (check?.locked) return paused(c, check);
  return denied(c);
};

function paused(c: Context<AppEnv>, check: Extract<TokenCheck, { locked: true }>) {
  c.header("Retry-After", String(check.retryAfter));
  return c.html(
    <MessagePage title="Sign-in paused" text={`Too many wrong tokens from this address. Try again in ${Math.ceil(check.retryAfter / 60)} minutes.`} />,
    429,
  );
}

function denied(c: Context<AppEnv>, problem?: string) {
  c.header("WWW-Authenticate", 'Bearer realm="dashboard"');
  const here = new URL(c.req.url);
  const next = here.pathname === "/dashboard/sign-in" ? "/dashboard" : `${here.pathname}${here.search}`;
  return c.html(<SignInPage problem={problem} next={next} />, 401);
}
