/** An accessible progress bar; without a known total it says so instead of guessing a percentage. */
export function ProgressBar({ percent, label }: { percent: number | null; label: string }) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent ?? undefined}
      aria-valuetext={percent === null ? 'total unknown' : `${percent.toFixed(1)} %`}
    >
      <div
        className={percent === null ? 'progress-bar indeterminate' : 'progress-bar'}
        style={percent === null ? undefined : { width: `${percent}%` }}
      />
    </div>
  );
}
