/** A calm placeholder that still tells the user something true: what the view will do, and where to go now. */
export function ComingSoon({ title, what }: { title: string; what: string }) {
  return (
    <section className="view coming-soon" aria-labelledby="coming-soon-title">
      <h2 id="coming-soon-title">{title}</h2>
      <div className="empty">
        <p className="empty-lead">Coming in the next release.</p>
        <p>{what}</p>
        <p>
          Until then, the <a href="#/dashboard">Dashboard</a> shows what is waiting on you, and the CLI does the rest: <code>governor reviews</code>, <code>governor decide</code>,{' '}
          <code>governor command "/status"</code>.
        </p>
      </div>
    </section>
  );
}
