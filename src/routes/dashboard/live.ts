/**
 * Live updates for the list and a request's page: the one script of the dashboard, served as
 * /dashboard/live.js and allowed by its hash alone (CSP `script-src 'sha256-…'`, with the same
 * hash as the tag's integrity), so no other script, inline or from anywhere, can run.
 *
 * Why a script and not the alternatives: a meta refresh reloads the whole page (it would lose
 * what someone is typing in the filters, their scroll and focus, and make a screen reader start
 * over), and server-sent events need a script too, plus a connection held open per viewer. This
 * one asks `data-live-src` with If-None-Match set to the page's stamp; the server answers 304
 * after one small D1 query while nothing changed, or the new fragment, whose `#live` replaces
 * the page's. It checks every 3 s, slower (up to 30 s) while nothing changes, not while the tab
 * is hidden, never while the filter form has focus or unsaved edits, and stops when nothing
 * shown can change any more (data-live="false") or after 15 minutes without a change. What
 * changed is said in the `#live-status` line (role="status"), not by re-reading the table; its
 * data-state and data-checks say what the script did (the browser tests wait on them).
 *
 * The text below is what is served byte for byte; LIVE_SCRIPT_HASH must be its SHA-256
 * (test/unit/live-script.test.ts checks it and prints the new value after an edit).
 * A hash allows an external script in Chrome 59+, Firefox 116+, Safari 15.6+; an older
 * browser blocks it and the pages still work, without live updates.
 * @see https://w3c.github.io/webappsec-csp/#external-hash
 */
export const LIVE_SCRIPT = `"use strict";
(function () {
  var region = document.getElementById("live");
  var status = document.getElementById("live-status");
  if (!region || !status || !region.dataset.liveSrc || region.dataset.live !== "true") return;
  var form = document.querySelector("form.filters");
  var FIRST = 3000, SLOWEST = 30000, QUIET = 15 * 60 * 1000;
  var delay = FIRST, lastChange = Date.now(), timer = 0, stopped = false, checks = 0;

  function say(text, state) {
    status.textContent = text;
    status.dataset.state = state;
  }
  function stop(text, state) {
    stopped = true;
    clearTimeout(timer);
    say(text, state);
  }
  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      check().catch(function () { stop("Live updates stopped. Reload the page.", "stopped"); });
    }, ms);
  }
  // Someone is using the filter form: focus in it, or fields changed and not yet applied.
  function fields() {
    return form ? new URLSearchParams(new FormData(form)).toString() : "";
  }
  var applied = fields();
  function editing() {
    return !!form && (form.contains(document.activeElement) || fields() !== applied);
  }
  function swap(next) {
    var focused = region.contains(document.activeElement) ? document.activeElement : null;
    var key = focused && (focused.getAttribute("href") || focused.id);
    region.dataset.version = next.dataset.version;
    region.dataset.live = next.dataset.live;
    region.dataset.summary = next.dataset.summary || "";
    region.replaceChildren.apply(region, Array.prototype.slice.call(document.adoptNode(next).childNodes));
    if (key) {
      var again = Array.prototype.find.call(region.querySelectorAll("[href], [id]"), function (el) { return el.getAttribute("href") === key || el.id === key; });
      if (again) again.focus();
    }
  }
  async function check() {
    if (stopped || document.hidden) return;
    status.dataset.checks = String(++checks);
    if (editing()) {
      say("Live updates wait while you edit the filters.", "waiting");
      return later(FIRST);
    }
    var res;
    try {
      res = await fetch(region.dataset.liveSrc, { headers: { "If-None-Match": JSON.stringify(region.dataset.version) }, cache: "no-store", credentials: "same-origin" });
    } catch (err) {
      say("Live updates: the dashboard did not answer, trying again.", "error");
      delay = Math.min(delay * 2, SLOWEST);
      return later(delay);
    }
    if (res.status === 304) {
      if (status.dataset.state === "waiting") say("Live: this page updates by itself while something is pending.", "on");
      if (Date.now() - lastChange > QUIET) return stop("Live updates stopped: nothing changed for 15 minutes. Reload the page to resume.", "stopped");
      delay = Math.min(Math.round(delay * 1.5), SLOWEST);
      return later(delay);
    }
    if (!res.ok) return stop("Live updates stopped (" + res.status + "). Reload the page.", "stopped");
    var html = await res.text();
    if (editing()) return later(FIRST);
    var next = new DOMParser().parseFromString(html, "text/html").getElementById("live");
    if (!next) return stop("Live updates stopped. Reload the page.", "stopped");
    swap(next);
    lastChange = Date.now();
    delay = FIRST;
    var when = new Date().toLocaleTimeString();
    if (region.dataset.live !== "true") return stop("Updated at " + when + ". Nothing is pending any more, so live updates stopped.", "done");
    say("Updated at " + when + ". " + (region.dataset.summary || ""), "updated");
    later(delay);
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !stopped) later(0);
  });
  say("Live: this page updates by itself while something is pending.", "on");
  later(delay);
})();
`;

/** SHA-256 of LIVE_SCRIPT, base64: the CSP's script-src and the tag's integrity. */
export const LIVE_SCRIPT_HASH = "sha256-7Glil6boC9bJlRLlEzmN7TpzkY3/NtQZD+lrCwkR6S8=";
