// Starts the local fake Slack API and the action webhook receiver for the whole test run
// (the Worker's SLACK_API_URL and the test policy's action URLs point at them).
import { startFakeSlack } from "../standin/server.js";
import { startWebhookReceiver } from "./webhook-receiver.js";

export default async function setup() {
  const fake = await startFakeSlack({ port: Number(process.env.FAKE_SLACK_PORT), token: "xoxb-test-token" });
  const receiver = await startWebhookReceiver({ port: Number(process.env.WEBHOOK_RECEIVER_PORT), secret: process.env.TEST_WEBHOOK_SECRET });
  return async () => {
    await fake.close();
    await receiver.close();
  };
}
