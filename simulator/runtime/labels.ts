/** The labels flysim puts on every container and network, so `removeByLabel` can clean up. */
export const LABELS = {
  run: 'dev.flysim.run',
  app: 'dev.flysim.app',
  machine: 'dev.flysim.machine',
  release: 'dev.flysim.release',
  service: 'dev.flysim.service',
} as const;

export interface LabelValues {
  readonly run: string;
  readonly app?: string;
  readonly machine?: string;
  readonly release?: string;
  readonly service?: string;
}

export function flysimLabels(values: LabelValues): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, name] of Object.entries(LABELS)) {
    const value = values[key as keyof LabelValues];
    if (value !== undefined) labels[name] = value;
  }
  return labels;
}
