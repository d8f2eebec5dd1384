// Starts the local fake Slack API for the whole test run (the Worker's SLACK_API_URL points at it).
import { startFakeSlack } from "./fake-slack.js";

export default async function setup() {
  const fake = await startFakeSlack({ port: Number(process.env.FAKE_SLACK_PORT), token: "xoxb-test-token" });
  return () => fake.close();
}
