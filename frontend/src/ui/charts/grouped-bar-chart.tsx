import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export const SERIES_COLORS = ['#1f5fbf', '#cf222e', '#1a7f37', '#bf8700', '#8250df', '#0a7d8c', '#6e7781'];

/** Rows keyed by `category`, one bar per series name (e.g. drift rate per domain, one bar per system). */
export function GroupedBarChart({
  rows,
  series,
  label,
  unit,
  colors,
  dense = false,
}: {
  rows: Record<string, string | number | null>[];
  series: string[];
  label: string;
  unit?: string;
  /** Fixed colours per series (e.g. a status), otherwise the palette in order. */
  colors?: Record<string, string>;
  /** Many categories (e.g. days): label as many as fit instead of every one. */
  dense?: boolean;
}) {
  return (
    <div className="chart" role="img" aria-label={label}>
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="category" interval={dense ? 'preserveStartEnd' : 0} tick={{ fontSize: 12 }} />
          <YAxis unit={unit} />
          <Tooltip />
          {/* In the order of `series` (recharts sorts the legend alphabetically by default). */}
          <Legend itemSorter={(item) => series.indexOf(String(item.dataKey))} />
          {series.map((name, i) => (
            <Bar
              key={name}
              dataKey={name}
              name={name}
              fill={colors?.[name] ?? SERIES_COLORS[i % SERIES_COLORS.length]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
