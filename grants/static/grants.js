// Start GOV.UK Frontend's components (the js-enabled class is set by the page template).
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();
