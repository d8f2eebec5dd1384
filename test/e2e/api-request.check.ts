// Checked by the root program, which has the Workers types (test/e2e/tsconfig.json leaves it
// out): the route's answer must fit ApiRequest, so what the browser suite reads cannot drift.
import type { requestJson } from "../../src/routes/api/view";
import type { ApiRequest } from "./api-request";

type Fits<T extends ApiRequest> = T;
export type RouteAnswerFitsApiRequest = Fits<ReturnType<typeof requestJson>>;
