// JSON over HTTP for the suite, typed by what the endpoint answers: the stand-in's control and
// page endpoints (standin/control.d.ts), the service's API (api-request.ts).

/** GET `url`'s JSON answer. */
export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  return (await (await fetch(url, { headers })).json()) as T;
}

/** POST `body` as JSON (as the stand-in's page does) and read the JSON answer. */
export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return (await res.json()) as T;
}
