/**
 * How a head's metric reads in the training panel: accuracies as percentages, MSE as a number.
 * Runs recorded before other heads trained carry no metric: they were accuracies.
 */
import { METRIC_LABEL, metricIsAccuracy, type MetricKind } from '../../engine/train/lossPlan';

export function metricLabel(m: MetricKind | undefined): string {
  return METRIC_LABEL[m ?? 'accuracy'];
}

/** Short column heading: "acc", "masked acc", "MSE". */
export function metricShort(m: MetricKind | undefined): string {
  return { accuracy: 'acc', maskedTokenAccuracy: 'masked acc', tokenAccuracy: 'token acc', mse: 'MSE' }[
    m ?? 'accuracy'
  ];
}

export function formatMetric(m: MetricKind | undefined, v: number | null, digits = 1): string {
  if (v === null || Number.isNaN(v)) return '–';
  return metricIsAccuracy(m ?? 'accuracy') ? `${(v * 100).toFixed(digits)}%` : v.toPrecision(4);
}

export const isPercentMetric = (m: MetricKind | undefined): boolean => metricIsAccuracy(m ?? 'accuracy');
