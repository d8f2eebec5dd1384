export function slackSignature(secret: string, timestamp: number | string, body: string): Promise<string>;
export function signedHeaders(secret: string, body: string, timestamp?: number): Promise<Record<string, string>>;
