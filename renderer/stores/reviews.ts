import { REVIEW_PAGE_MAX, type Transport } from '../../shared/contract.ts';
import type { Review } from '../../shared/domain/review.ts';
import { createListStore } from './list-store.ts';

/** Pending reviews: what the human is being asked to decide, oldest first as the engine lists them. */
const reviews = createListStore<Review>();
export const useReviewsStore = reviews.store;

export const refreshReviews = (t: Transport): Promise<void> =>
  // Pending ones are few (each waits on the human); the page lists them newest first.
  reviews.refresh(() =>
    t.call('reviews.list', { open: true, limit: REVIEW_PAGE_MAX }).then((page) => [...page.items].reverse()),
  );
