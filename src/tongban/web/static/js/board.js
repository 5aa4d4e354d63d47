// The waiting-room board: when htmx swaps in a newer call, the page says it aloud (Web Speech
// API, where the browser has it and the "语音播报" box is ticked).
(function () {
  "use strict";
  let last = null;
  function announce() {
    const live = document.getElementById("board-live");
    if (!live) return;
    const latest = live.dataset.latestCall || "";
    if (last !== null && latest && latest !== last) {
      const row = live.querySelector("[data-say]");
      const speak = document.getElementById("board-speak");
      if (row && speak && speak.checked && "speechSynthesis" in window) {
        const words = new SpeechSynthesisUtterance(row.dataset.say);
        words.lang = document.documentElement.lang === "en" ? "en-GB" : "zh-CN";
        window.speechSynthesis.speak(words);
      }
      document.body.dataset.announced = latest;
    }
    last = latest;
  }
  document.addEventListener("DOMContentLoaded", announce);
  document.addEventListener("htmx:afterSwap", announce);
})();
