/** One benchmark scenario: it measures and returns named figures; the harness prints and records them. */
export interface BenchScenario {
  name: string;
  description: string;
  /** Options after the scenario name, e.g. `--rows 200000`. */
  run(args: string[]): Promise<BenchFigures>;
}

export type BenchFigures = Record<string, number>;

export interface BenchResult {
  scenario: string;
  figures: BenchFigures;
}
