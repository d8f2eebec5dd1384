/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import { loadConfig } from "../../config";
import { knownDisplayNames } from "../../core/display-names";
import { apiActorName, isApiActor } from "../../core/ids";
import { DEFAULT_TYPE, findType, loadPolicy } from "../../core/policy";
import { type Source, sourceTitle } from "../../core/request-source";
import type { Env } from "../../env";

/**
 * How people and request types appear: a person by the display name the workflows cached (KV
 * `name:<user>`, read only here), with the id on hover; someone never seen by the id itself. A
 * type by its policy title, with its name on hover.
 */
export interface Labels {
  person(id: string): string | undefined;
  typeTitle(type: string): string | undefined;
  /** The types a request can have now: the policy's and the built-in default. */
  types: { name: string; title: string }[];
}

export async function loadLabels(env: Env, people: Iterable<string | null | undefined>): Promise<Labels> {
  const policy = loadPolicy(env);
  const config = loadConfig(env);
  const names = await knownDisplayNames(
    env.KV,
    // A pipeline acting over the API (api:<name>) has no Slack name to look up.
    [...people].filter((p): p is string => typeof p === "string" && p !== "" && !isApiActor(p)),
  );
  const types = [DEFAULT_TYPE, ...Object.keys(policy.types).filter((t) => t !== DEFAULT_TYPE)].map((name) => ({
    name,
    title: findType(policy, config, name)!.title,
  }));
  const titles = new Map(types.map((t) => [t.name, t.title]));
  return { person: (id) => names.get(id), typeTitle: (type) => titles.get(type), types };
}

/** A person's name, or their id when no name is known; a pipeline acting over the API by its name and "(API)". */
export const personText = (labels: Labels, id: string) => (isApiActor(id) ? `${apiActorName(id)} (API)` : (labels.person(id) ?? id));

/** Who asked, as text: the requester (by name), the API source ("github-actions (deploy #123)"), or both. */
export function requesterText(labels: Labels, requester: string | null, source: Source | null): string {
  const via = source ? sourceTitle(source) : "";
  if (requester) return via ? `${personText(labels, requester)} via ${via}` : personText(labels, requester);
  return via;
}

export const Person: FC<{ id: string; labels: Labels }> = ({ id, labels }) => {
  if (isApiActor(id)) {
    return (
      <span class="person" title={id}>
        {apiActorName(id)} (API)
      </span>
    );
  }
  const name = labels.person(id);
  return name ? (
    <span class="person" title={id}>
      {name}
    </span>
  ) : (
    <code class="person">{id}</code>
  );
};

export const People: FC<{ ids: string[]; labels: Labels }> = ({ ids, labels }) => (
  <>
    {ids.map((id, i) => (
      <>
        {i > 0 && ", "}
        <Person id={id} labels={labels} />
      </>
    ))}
  </>
);

export const TypeName: FC<{ type: string; labels: Labels }> = ({ type, labels }) => {
  const title = labels.typeTitle(type);
  return title ? <span title={type}>{title}</span> : <code>{type}</code>;
};

/** An API request's source: its name and label, linked to its run's page when it has one (http(s) only, checked on the way in). */
export const SourceName: FC<{ source: Source }> = ({ source }) =>
  source.url ? (
    <a class="source" href={source.url} rel="noopener noreferrer nofollow">
      {sourceTitle(source)}
    </a>
  ) : (
    <span class="source">{sourceTitle(source)}</span>
  );

/** Who asked: the requester, the API source, or the requester via the source. */
export const Requester: FC<{ requester: string | null; source: Source | null; labels: Labels }> = ({ requester, source, labels }) => (
  <>
    {requester && <Person id={requester} labels={labels} />}
    {requester && source && " via "}
    {source && <SourceName source={source} />}
  </>
);
