import type { Stage } from '../../../shared/domain/plan.ts';
import { PIPELINE, stepState } from './pipeline-model.ts';

/** The seed's pipeline with the live step lit; `promoted` lights none and marks every step done. */
export function Pipeline({ stage, running }: { stage: Stage; running: boolean }) {
  return (
    <ol className="pipeline" aria-label="Pipeline" data-testid="pipeline">
      {PIPELINE.map((step, i) => {
        const state = stepState(i, stage);
        return (
          <li
            key={step.key}
            className={`step step-${state}${step.label === 'Human' ? ' step-human' : ''}`}
            aria-current={state === 'live' ? 'step' : undefined}
            title={step.hint}
          >
            <span className="step-label">{step.label}</span>
            <span className="step-hint">
              {state === 'live' ? (running && step.label !== 'Human' ? 'working…' : step.hint) : step.hint}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
