import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startApiApp, type ApiTestApp } from './support/api-app';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { uid: string };
  targets?: { expr: string; datasource: { uid: string } }[];
}

const DASHBOARD = join(__dirname, '..', '..', '..', 'infra', 'grafana', 'driftwatch.json');
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[] };
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

describe('Grafana dashboard infra/grafana/driftwatch.json', () => {
  it('is importable: unique panel ids, panels inside the 24-column grid and not overlapping, templated data source', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i += 1) {
        for (let j = y; j < y + h; j += 1) {
          const cell = `${i},${j}`;
          if (cells.has(cell)) throw new Error(`panel "${panel.title}" overlaps another at ${cell}`);
          cells.add(cell);
        }
      }
      for (const target of panel.targets ?? []) expect(target.datasource.uid).toBe('${datasource}');
    }
    expect(exprs.length).toBeGreaterThan(20);
  });

  describe('against the running application', () => {
    let t: ApiTestApp;
    beforeAll(async () => {
      t = await startApiApp();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('charts every driftwatch_* metric the application exports', async () => {
      await request(t.server).get('/health/live').expect(200);
      const metrics = (await request(t.server).get('/metrics').expect(200)).text;
      const exported = [...new Set([...metrics.matchAll(/^# TYPE (driftwatch_\w+) /gm)].map((m) => m[1]))];
      expect(exported).toContain('driftwatch_http_request_duration_seconds');
      const uncharted = exported.filter((name) => !exprs.some((expr) => expr.includes(name)));
      expect(uncharted).toEqual([]);
    });
  });
});
