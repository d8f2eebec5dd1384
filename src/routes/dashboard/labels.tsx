/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import { loadConfig } from "../../config";
import { knownDisplayNames } from "../../core/display-names";
import { DEFAULT_TYPE, findType, loadPolicy } from "../../core/policy";
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
    [...people].filter((p): p is string => Boolean(p)),
  );
  const types = [DEFAULT_TYPE, ...Object.keys(policy.types).filter((t) => t !== DEFAULT_TYPE)].map((name) => ({
    name,
    title: findType(policy, config, name)!.title,
  }));
  const titles = new Map(types.map((t) => [t.name, t.title]));
  return { person: (id) => names.get(id), typeTitle: (type) => titles.get(type), types };
}

/** A person's name, or their id when no name is known. */
export const personText = (labels: Labels, id: string) => labels.person(id) ?? id;

export const Person: FC<{ id: string; labels: Labels }> = ({ id, labels }) => {
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
