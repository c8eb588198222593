"use strict";
// Document view: bring the cited passage into view and give it focus for keyboard users.
(function () {
  const mark = document.getElementById("cited");
  if (!mark) return;
  mark.scrollIntoView({ block: "start" }); // scroll-margin-top leaves room above
  mark.focus({ preventScroll: true });
})();
