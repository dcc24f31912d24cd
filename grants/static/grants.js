// Start GOV.UK Frontend's components (the js-enabled class is set by the page template).
import { initAll } from "/assets/govuk-frontend.min.js";

initAll({ button: { preventDoubleClick: true } }); // a second click within a second is ignored
