import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export const SEVERITY_COLORS: Record<string, string> = {
  critical: '#8a1c12',
  high: '#cf222e',
  medium: '#bf8700',
  low: '#0969da',
  info: '#6e7781',
};

/** Open findings per severity. */
export function SeverityBarChart({ data }: { data: { severity: string; open: number }[] }) {
  return (
    <div className="chart" role="img" aria-label={data.map((d) => `${d.severity}: ${d.open}`).join(', ')}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="severity" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="open" name="Open findings" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.severity} fill={SEVERITY_COLORS[d.severity] ?? '#6e7781'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
