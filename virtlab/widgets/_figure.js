// The front end of virtlab's CourseFigure (see _figure.py): a small loader that fetches
// plotly's widget bundle from the kernel once per page and shares it with every figure.
const SHARED = "__virtlabPlotlyWidget";

function ask(model, question, answer) {
  return new Promise((resolve) => {
    const listener = (msg) => {
      if (!msg || msg.virtlab !== answer) return;
      model.off("msg:custom", listener);
      resolve(msg);
    };
    model.on("msg:custom", listener);
    model.send({ virtlab: question });
  });
}

function plotlyFrontEnd(model) {
  if (!globalThis[SHARED]) {
    globalThis[SHARED] = ask(model, "plotly-bundle?", "plotly-bundle").then(async (msg) => {
      const url = URL.createObjectURL(new Blob([msg.code], { type: "text/javascript" }));
      try {
        const module = await import(url);
        return module.default;
      } finally {
        URL.revokeObjectURL(url);
      }
    }).catch((error) => {
      globalThis[SHARED] = undefined;
      throw error;
    });
  }
  return globalThis[SHARED];
}

const started = new WeakMap();

function figureFor(model) {
  if (!started.has(model)) {
    started.set(model, (async () => {
      const factory = await plotlyFrontEnd(model);
      await ask(model, "sync?", "synced");
      const figure = typeof factory === "function" ? factory() : factory;
      figure.initialize?.({ model });
      return figure;
    })());
  }
  return started.get(model);
}

export default {
  initialize({ model }) {
    figureFor(model).catch(() => {});
  },
  async render({ model, el }) {
    // a visible placeholder until the figure is drawn (tests wait for it to go away)
    const note = document.createElement("div");
    note.className = "virtlab-figure-loading";
    note.textContent = "Loading figure…";
    el.appendChild(note);
    try {
      const figure = await figureFor(model);
      note.remove();
      return figure.render({ model, el });
    } catch (error) {
      note.className = "virtlab-figure-error";
      note.textContent = `The figure could not load: ${error}`;
    }
  },
};
