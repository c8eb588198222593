"use strict";
// Document view: bring the cited passage into view and give it focus for keyboard users.
(function () {
  const mark = document.getElementById("cited");
  if (!mark) return;
  mark.scrollIntoView({ block: "center" });
  mark.focus({ preventScroll: true });
})();
