import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'react';
import type { QaTrendPoint } from './useQa.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

/** Coverage, pass rate and max drift (all %) across the gate's iterations. */
export function TrendChart({ points }: { points: QaTrendPoint[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const chart = new Chart(el, {
      type: 'line',
      data: {
        labels: points.map((p) => `P${p.phase}·i${p.iteration}`),
        datasets: [
          {
            label: 'Coverage %',
            data: points.map((p) => p.coverage),
            borderColor: '#2f7de1',
            backgroundColor: '#2f7de1',
            spanGaps: true,
          },
          {
            label: 'Pass rate %',
            data: points.map((p) => p.pass_rate),
            borderColor: '#2e9e5b',
            backgroundColor: '#2e9e5b',
            spanGaps: true,
          },
          {
            label: 'Max drift %',
            data: points.map((p) => p.max_drift),
            borderColor: '#d0782a',
            backgroundColor: '#d0782a',
            borderDash: [4, 4],
            spanGaps: true,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: '%' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.destroy();
  }, [points]);

  return (
    <div className="qa-chart">
      <canvas
        ref={canvas}
        role="img"
        aria-label={`QA trend over ${points.length} iterations: coverage, pass rate and max drift`}
      />
    </div>
  );
}
