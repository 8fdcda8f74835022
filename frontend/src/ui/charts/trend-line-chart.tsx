import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { SERIES_COLORS } from './grouped-bar-chart';

/** Lines over time buckets: `rows` carry `bucket` and one number per line key. */
export function TrendLineChart({
  rows,
  lines,
  label,
}: {
  rows: Record<string, string | number>[];
  /** A line without a color takes the next of the shared series colors. */
  lines: { key: string; name: string; color?: string }[];
  label: string;
}) {
  return (
    <div className="chart" role="img" aria-label={label}>
      <ResponsiveContainer>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="bucket" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          {/* In the order of `lines` (recharts sorts the legend alphabetically by default). */}
          <Legend itemSorter={(item) => lines.findIndex((line) => line.key === item.dataKey)} />
          {lines.map((line, i) => (
            <Line
              key={line.key}
              type="monotone"
              dataKey={line.key}
              name={line.name}
              stroke={line.color ?? SERIES_COLORS[i % SERIES_COLORS.length]}
              strokeWidth={2}
              dot={rows.length < 40}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
