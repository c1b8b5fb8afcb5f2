// The demo shop's own script (no inline scripts under our CSP): it sets window.kefuSettings from
// the page before the loader runs, and uses the JS API the way a shop would.
(() => {
  "use strict";
  window.kefuSettings = JSON.parse(document.body.dataset.kefuSettings || "{}");
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target?.closest("[data-kefu=open]")) window.Kefu?.open();
    const page = target?.closest("[data-demo-page]");
    if (page) {
      // A single-page shop changes route without loading a page: the agent still sees where.
      event.preventDefault();
      document.title = page.dataset.demoPage;
      history.pushState(null, "", page.getAttribute("href"));
    }
  });
})();
