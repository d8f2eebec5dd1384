import { describe, expect, it } from "vitest";
import { niceScale } from "../../src/routes/dashboard/charts";
import { bucketPosition } from "../../src/routes/dashboard/overview";
import { BUCKETS, dayRows, humanDuration, overviewWindow, percent } from "../../src/routes/dashboard/overview-data";

describe("the overview's numbers", () => {
  it("covers the last 30 days by default, a window the filters give, at most 366 days", () => {
    expect(overviewWindow({}, "2026-05-31")).toEqual({ from: "2026-05-02", to: "2026-05-31" });
    expect(overviewWindow({ to: "2026-03-01" }, "2026-05-31")).toEqual({ from: "2026-01-31", to: "2026-03-01" });
    expect(overviewWindow({ from: "2026-05-20" }, "2026-05-31")).toEqual({ from: "2026-05-20", to: "2026-05-31" });
    expect(overviewWindow({ from: "2026-06-02" }, "2026-05-31")).toEqual({ from: "2026-06-02", to: "2026-06-02" });
    expect(overviewWindow({ from: "2025-01-01", to: "2025-12-31" }, "2026-05-31")).toEqual({ from: "2025-01-01", to: "2025-12-31" });
    expect(overviewWindow({ from: "2024-01-01", to: "2024-12-31" }, "2026-05-31")).toEqual({ from: "2024-01-01", to: "2024-12-31" });
    expect(overviewWindow({ from: "2024-01-01", to: "2025-01-01" }, "2026-05-31")).toEqual({
      problem: "from: the overview covers at most 366 days (this window has 367)",
    });
    expect(overviewWindow({ from: "2026-05-02", to: "2026-05-01" }, "2026-05-31")).toEqual({ problem: "from: the first day is after the last day" });
  });

  it("has a row for every day of the window, days without requests too", () => {
    const rows = dayRows(
      [
        { day: "2026-05-02", status: "approved", n: 2 },
        { day: "2026-05-02", status: "expired", n: 1 },
        { day: "2026-04-30", status: "approved", n: 9 },
      ],
      "2026-05-01",
      "2026-05-03",
    );
    expect(rows.map((r) => [r.day, r.total, r.counts.approved, r.counts.expired])).toEqual([
      ["2026-05-01", 0, 0, 0],
      ["2026-05-02", 3, 2, 1],
      ["2026-05-03", 0, 0, 0],
    ]);
  });

  it("words durations as a person reads them", () => {
    expect([0.2, 45, 60, 245, 3001, 3599, 3600, 7500, 86_400, 273_600].map(humanDuration)).toEqual([
      "under 1 s",
      "45 s",
      "1 min",
      "4 min 5 s",
      "50 min",
      "59 min",
      "1 h",
      "2 h 5 min",
      "1 d",
      "3 d 4 h",
    ]);
    expect(BUCKETS.map((b) => b.label)).toEqual([
      "under 1 min",
      "1 min – 5 min",
      "5 min – 15 min",
      "15 min – 1 h",
      "1 h – 4 h",
      "4 h – 1 d",
      "1 d – 3 d",
      "3 d or more",
    ]);
    expect(BUCKETS.map((b) => b.short)).toEqual(["< 1 min", "1–5 min", "5–15 min", "15 min–1 h", "1–4 h", "4 h–1 d", "1–3 d", "≥ 3 d"]);
    expect(percent(2, 3)).toBe(67);
    expect(percent(0, 0)).toBe(0);
  });

  it("places a percentile inside its bucket (linear in the first, logarithmic after) and scales counts to whole steps", () => {
    expect(bucketPosition(30)).toBe(0.5);
    expect(bucketPosition(60)).toBe(1);
    expect(bucketPosition(300)).toBe(2);
    expect(bucketPosition(Math.sqrt(60 * 300))).toBeCloseTo(1.5, 6);
    expect(bucketPosition(10 * 86_400)).toBe(8);
    expect(niceScale(0)).toEqual({ top: 1, ticks: [0, 1] });
    expect(niceScale(3)).toEqual({ top: 3, ticks: [0, 1, 2, 3] });
    expect(niceScale(7)).toEqual({ top: 8, ticks: [0, 2, 4, 6, 8] });
    expect(niceScale(38)).toEqual({ top: 40, ticks: [0, 10, 20, 30, 40] });
  });
});
