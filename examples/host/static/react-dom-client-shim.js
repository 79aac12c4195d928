// "react-dom/client" for the browser without a bundler: ReactDOM's UMD build (loaded before).
const ReactDOM = window.ReactDOM;
export const { createRoot, hydrateRoot } = ReactDOM;
