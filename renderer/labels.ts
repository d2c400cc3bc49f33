import type { Review } from '../shared/index.ts';

/** How a review kind reads in the UI; one table for the dashboard and the reviews view. */
export const KIND_LABEL: Record<Review['kind'], string> = {
  plan: 'plan',
  design: 'design',
  test_plan: 'test plan',
  variation: 'variation',
  test_completion: 'test completion',
  promotion: 'promotion',
  gate_failure: 'gate failure',
  budget: 'budget',
};
