import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of a chart: its name in the legend and its points, x ascending. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [x: number, y: number])[];
}

/** A line chart with logarithmic axes, which is how costs that grow by orders of magnitude read best. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 80, right: 200, top: 40, bottom: 56 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** Writes `chart` as `bench/results/<file>.svg` and returns the path written. */
export function writeLineChart(file: string, chart: LineChart): string {
  const directory = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${file}.svg`);
  writeFileSync(path, renderLineChart(chart));
  return path;
}

/** The chart as a standalone SVG document. */
export function renderLineChart({ title, xLabel, yLabel, series }: LineChart): string {
  const points = series.flatMap((line) => line.points).filter(([x, y]) => x > 0 && y > 0);
  const xs = decades(points.map(([x]) => x));
  const ys = decades(points.map(([, y]) => y));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const toX = (x: number) => MARGIN.left + ((Math.log10(x) - xs.low) / (xs.high - xs.low)) * plotWidth;
  const toY = (y: number) =>
    MARGIN.top + plotHeight - ((Math.log10(y) - ys.low) / (ys.high - ys.low)) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  for (let power = xs.low; power <= xs.high; power++) {
    const x = toX(10 ** power);
    parts.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`,
      `<text x="${x}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${label(10 ** power)}</text>`,
    );
  }
  for (let power = ys.low; power <= ys.high; power++) {
    const y = toY(10 ** power);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotWidth}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end">${label(10 ** power)}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  series.forEach((line, index) => {
    const color = COLORS[index % COLORS.length]!;
    const drawn = line.points.filter(([x, y]) => x > 0 && y > 0);
    const path = drawn.map(
      ([x, y], at) => `${at === 0 ? 'M' : 'L'}${toX(x).toFixed(1)},${toY(y).toFixed(1)}`,
    );
    parts.push(`<path d="${path.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [x, y] of drawn)
      parts.push(`<circle cx="${toX(x).toFixed(1)}" cy="${toY(y).toFixed(1)}" r="3" fill="${color}"/>`);
    const legendY = MARGIN.top + 14 + index * 18;
    const legendX = MARGIN.left + plotWidth + 12;
    parts.push(
      `<line x1="${legendX}" y1="${legendY - 4}" x2="${legendX + 18}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${legendX + 24}" y="${legendY}">${escapeXml(line.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The whole decades (as powers of ten) that hold every value. */
function decades(values: readonly number[]): { low: number; high: number } {
  if (values.length === 0) return { low: 0, high: 1 };
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  return { low, high: high > low ? high : low + 1 };
}

function label(value: number): string {
  if (value >= 1e9) return `${value / 1e9}G`;
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}k`;
  return String(value);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
