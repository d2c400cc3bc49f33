// Vite's `?worker` import: a constructor for a bundled module worker.
declare module '*?worker' {
  const WorkerCtor: new () => Worker;
  export default WorkerCtor;
}
