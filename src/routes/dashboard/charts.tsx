/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";

/**
 * The overview's charts as server-rendered SVG: no script, nothing fetched, so the dashboard's
 * CSP stays as strict as it is; colours come from the style sheet (light and dark). Each chart is
 * one image to a screen reader (role="img" with a title and a description that says the
 * numbers); every mark also has a <title> (a tooltip) and data-* attributes with its value, and
 * each chart's numbers are in a table beside it.
 */

const WIDTH = 800;
const round = (n: number) => Math.round(n * 100) / 100;
const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A y axis for counts: a top value and 3 to 5 whole-number steps up to it. */
export function niceScale(max: number): { top: number; ticks: number[] } {
  if (max <= 0) return { top: 1, ticks: [0, 1] };
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude);
  const top = Math.ceil(max / step) * step;
  return { top, ticks: Array.from({ length: top / step + 1 }, (_, i) => i * step) };
}

interface ChartFrame {
  id: string;
  title: string;
  /** The numbers in a sentence or two, for people who cannot see the picture. */
  desc: string;
}

const Frame: FC<ChartFrame & { height: number; children?: Child }> = ({ id, title, desc, height, children }) => (
  // Focusable, so a keyboard can scroll a chart wider than a phone's screen.
  <section class="chart-scroll" tabindex={0} aria-label={title}>
    <svg class="chart" id={id} viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} preserveAspectRatio="xMinYMin meet">
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{desc}</desc>
      {children}
    </svg>
  </section>
);

export interface Segment {
  /** CSS class of the fill (e.g. s-approved). */
  cls: string;
  /** What the segment counts (data-series). */
  series: string;
  value: number;
  title: string;
}

export interface Column {
  key: string;
  /** The axis label; blank to leave this column unlabelled. */
  label: string;
  segments: Segment[];
}

export interface Marker {
  name: string;
  /** Where on the x axis, in columns (0 = the first column's left edge). */
  at: number;
  label: string;
}

const V = { left: 44, right: 10, top: 34, bottom: 34, plot: 200 };

/**
 * Vertical bars, one column per key, its segments stacked bottom up; optional markers (dashed
 * lines with a label, e.g. the percentiles) over the columns.
 */
export const ColumnChart: FC<ChartFrame & { columns: Column[]; markers?: Marker[] }> = ({ columns, markers = [], ...frame }) => {
  const height = V.top + V.plot + V.bottom;
  const plotWidth = WIDTH - V.left - V.right;
  const band = plotWidth / Math.max(1, columns.length);
  const barWidth = Math.max(1, band * 0.72);
  const { top, ticks } = niceScale(Math.max(0, ...columns.map((c) => c.segments.reduce((a, s) => a + s.value, 0))));
  const y = (v: number) => V.top + V.plot - (v / top) * V.plot;
  return (
    <Frame {...frame} height={height}>
      <g class="axis">
        {ticks.map((t) => (
          <>
            <line x1={V.left} x2={WIDTH - V.right} y1={round(y(t))} y2={round(y(t))} class={t === 0 ? "baseline" : "grid"} />
            <text x={V.left - 6} y={round(y(t)) + 4} text-anchor="end">
              {t}
            </text>
          </>
        ))}
      </g>
      {columns.map((c, i) => {
        const x = round(V.left + i * band + (band - barWidth) / 2);
        let base = 0;
        return (
          <g class="column" data-key={c.key}>
            {c.segments
              .filter((s) => s.value > 0)
              .map((s) => {
                const y0 = y(base);
                base += s.value;
                const y1 = y(base);
                return (
                  <rect class={`bar ${s.cls}`} x={x} y={round(y1)} width={round(barWidth)} height={round(y0 - y1)} data-series={s.series} data-value={s.value}>
                    <title>{s.title}</title>
                  </rect>
                );
              })}
            {c.label && (
              <text class="label" x={round(V.left + i * band + band / 2)} y={V.top + V.plot + 18} text-anchor="middle">
                {c.label}
              </text>
            )}
          </g>
        );
      })}
      {markers.map((m, i) => {
        const x = round(V.left + m.at * band);
        return (
          <g class={`marker ${m.name}`} data-marker={m.name}>
            <line x1={x} x2={x} y1={V.top - 4} y2={V.top + V.plot} />
            <text x={x + 4} y={V.top - 8 - i * 14} text-anchor={m.at > columns.length * 0.8 ? "end" : "start"}>
              {m.label}
            </text>
            <title>{m.label}</title>
          </g>
        );
      })}
    </Frame>
  );
};

export interface Bar {
  cls: string;
  series: string;
  value: number;
  /** Shown after the bar. */
  text: string;
  title: string;
}

export interface BarRow {
  key: string;
  label: string;
  /** A second line under the bars (e.g. who a request waits for). */
  note?: string;
  bars: Bar[];
}

const H = { label: 200, gap: 8, text: 150, bar: 14, barGap: 4, rowGap: 14, top: 8 };

/** Horizontal bars, one row per key (a label on the left), one or more bars per row, on one scale `max`. */
export const BarChart: FC<ChartFrame & { rows: BarRow[]; max: number }> = ({ rows, max, ...frame }) => {
  const barArea = WIDTH - H.label - H.gap - H.text;
  const x0 = H.label + H.gap;
  let yAt = H.top;
  const placed = rows.map((r) => {
    const y = yAt;
    yAt += r.bars.length * (H.bar + H.barGap) - H.barGap + (r.note ? 18 : 0) + H.rowGap;
    return { r, y };
  });
  return (
    <Frame {...frame} height={yAt}>
      <line class="baseline" x1={x0} x2={x0} y1={H.top - 4} y2={yAt - H.rowGap + 4} />
      {placed.map(({ r, y }) => (
        <g class="row" data-key={r.key}>
          <text class="label" x={H.label} y={y + 11} text-anchor="end">
            {shorten(r.label, 30)}
            <title>{r.label}</title>
          </text>
          {r.bars.map((b, i) => {
            const by = y + i * (H.bar + H.barGap);
            const width = max > 0 ? (b.value / max) * barArea : 0;
            return (
              <>
                <rect
                  class={`bar ${b.cls}`}
                  x={x0}
                  y={by}
                  width={round(Math.max(b.value > 0 ? 2 : 0, width))}
                  height={H.bar}
                  data-series={b.series}
                  data-value={b.value}
                >
                  <title>{b.title}</title>
                </rect>
                <text class="value" x={round(x0 + Math.max(2, width) + 6)} y={by + 11}>
                  {b.text}
                </text>
              </>
            );
          })}
          {r.note && (
            <text class="sub" x={x0} y={y + r.bars.length * (H.bar + H.barGap) + 12}>
              {shorten(r.note, 80)}
            </text>
          )}
        </g>
      ))}
    </Frame>
  );
};
