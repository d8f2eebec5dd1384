import { describe, expect, it } from "vitest";
import { importsOf, upwardImports } from "../../scripts/lib/import-layers.js";

const tree = (files: Record<string, string>) => new Map(Object.entries(files));

describe("the import-direction check (scripts/check-imports.js)", () => {
  it("finds every form of import with its line, and nothing in plain strings or comments", () => {
    const text = [
      'import { a } from "./a";', // 1
      "import {", // 2
      "  b,",
      "  type C,",
      '} from "../b";', // 5
      'import type { D } from "./d";', // 6
      'export { e } from "./e";', // 7
      'import "./side-effect";', // 8
      'const f = await import("./f");', // 9
      'export const g = "./not-an-import";', // 10
      ' * import { h } from "./in-a-comment"', // 11
    ].join("\n");
    expect(importsOf(text)).toEqual([
      { specifier: "./a", line: 1 },
      { specifier: "../b", line: 2 },
      { specifier: "./d", line: 6 },
      { specifier: "./e", line: 7 },
      { specifier: "./side-effect", line: 8 },
      { specifier: "./f", line: 9 },
    ]);
  });

  it("accepts imports of the same layer and of lower layers", () => {
    expect(
      upwardImports(
        tree({
          "src/index.ts": 'import { r } from "./routes/slack";\nimport type { Env } from "./env";',
          "src/routes/slack.ts": 'import { w } from "../workflows/approval";\nimport { s } from "../slack/blocks";\nimport { Hono } from "hono";',
          "src/workflows/approval.ts": 'import { s } from "../slack/blocks";\nimport { c } from "../core/store";',
          "src/slack/blocks.ts": 'import { c } from "../core/store";\nimport { ids } from "../core/ids";',
          "src/core/store/index.ts": 'import { x } from "./votes";\nimport { config } from "../../config";',
          "src/core/store/votes.ts": 'import { q } from "../quorum";',
          "src/core/quorum.ts": "",
          "src/config.ts": 'import { d } from "./core/duration";\nimport { ids } from "./core/ids";',
          "src/env.ts": "",
          "src/core/ids.ts": 'import { d } from "./duration";',
          "src/core/duration.ts": 'import { z } from "zod";',
        }),
      ),
    ).toEqual([]);
  });

  it("reports each import that runs upwards, with file and line", () => {
    expect(
      upwardImports(
        tree({
          "src/core/policy.ts": 'import { z } from "zod";\nimport { SLACK_USER_ID } from "../slack/payloads";',
          "src/slack/payloads.ts": "",
          "src/slack/verify.ts": 'import type { AppEnv } from "../routes/app-env";',
          "src/routes/app-env.ts": "",
          "src/core/requests.ts": 'import { createOnce } from "../workflows/steps";',
          "src/workflows/steps.ts": "",
          "src/config.ts": 'import { log } from "./core/log";',
          "src/core/log.ts": "",
          "src/core/ids.ts": 'import type { Env } from "../env";',
          "src/env.ts": "",
          "src/lib/stray.ts": "",
          "src/core/uses-stray.ts": 'import { s } from "../lib/stray";',
        }),
      ),
    ).toEqual([
      "src/core/policy.ts:2: core must not import slack (src/slack/payloads.ts)",
      "src/slack/verify.ts:1: slack must not import routes (src/routes/app-env.ts)",
      "src/core/requests.ts:1: core must not import workflows (src/workflows/steps.ts)",
      "src/config.ts:1: env/config must not import core (src/core/log.ts)",
      "src/core/ids.ts:1: kernel must not import env/config (src/env.ts)",
      "src/core/uses-stray.ts:1: src/lib/stray.ts is in no layer (add it to scripts/lib/import-layers.js)",
    ]);
  });
});
