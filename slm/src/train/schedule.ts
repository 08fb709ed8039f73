/** Learning rate at a step: linear warmup from 0, then a cosine down to minLr at the last step. */
export interface ScheduleConfig {
  lr: number;
  minLr: number;
  warmupSteps: number;
  steps: number;
}

export function learningRate(s: ScheduleConfig, step: number): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.steps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}
