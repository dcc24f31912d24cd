// Start GOV.UK Frontend's components (the js-enabled class is set by the page template).
import { initAll } from "/assets/govuk-frontend.min.js";

initAll({ button: { preventDoubleClick: true } }); // a second click within a second is ignored

// Add another (the GOV.UK "add another" pattern): a list of rows, such as a bid's measures of success,
// gains "Add another …" and "Remove" buttons, so a row is added or taken away without saving first.
// Without JavaScript the page works as before: it shows a few empty rows, and saving gives more.
//
//   <div data-add-another="measures" data-add-another-item="measure" data-add-another-max="8">
//     <fieldset data-add-another-row><legend>Measure 1</legend> … fields named measures-0-… </fieldset>
//   </div>
//   <p data-add-another-hint="text said when rows can be added and removed here">…</p>

const HIDDEN = "govuk-!-display-none"; // a GOV.UK button's display outranks the hidden attribute
const ERROR_CLASSES = ["govuk-form-group--error", "govuk-input--error", "govuk-select--error", "govuk-textarea--error"];

function renameWithin(row, prefix, index) {
  const pattern = new RegExp(`^${prefix}-\\d+-`);
  const renamed = (value) => value.replace(pattern, `${prefix}-${index}-`);
  for (const element of row.querySelectorAll("[id], [name], [for], [aria-describedby]")) {
    for (const attribute of ["id", "name", "for"]) {
      if (element.hasAttribute(attribute)) element.setAttribute(attribute, renamed(element.getAttribute(attribute)));
    }
    if (element.hasAttribute("aria-describedby")) {
      const ids = element.getAttribute("aria-describedby").split(/\s+/).map(renamed);
      element.setAttribute("aria-describedby", ids.join(" "));
    }
  }
}

function emptied(row) {
  const blank = row.cloneNode(true);
  for (const message of blank.querySelectorAll(".govuk-error-message")) message.remove();
  for (const element of blank.querySelectorAll(`.${ERROR_CLASSES.join(", .")}`)) {
    element.classList.remove(...ERROR_CLASSES);
  }
  for (const element of blank.querySelectorAll("[aria-describedby]")) {
    const ids = element.getAttribute("aria-describedby").split(/\s+/).filter((id) => !id.endsWith("-error"));
    if (ids.length) element.setAttribute("aria-describedby", ids.join(" "));
    else element.removeAttribute("aria-describedby");
  }
  for (const input of blank.querySelectorAll("input:not([type=hidden]), textarea")) {
    input.value = "";
    input.removeAttribute("value");
  }
  for (const select of blank.querySelectorAll("select")) {
    for (const option of select.options) option.removeAttribute("selected");
    select.selectedIndex = 0;
  }
  return blank;
}

function button(text, classes) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = `govuk-button ${classes}`;
  element.textContent = text;
  return element;
}

function addAnother(list) {
  const prefix = list.dataset.addAnother;
  const item = list.dataset.addAnotherItem;
  const most = Number(list.dataset.addAnotherMax) || Infinity;
  const rows = () => Array.from(list.querySelectorAll(":scope > [data-add-another-row]"));
  if (!rows().length) return;
  const template = emptied(rows()[0]);
  const add = button(`Add another ${item}`, "govuk-button--secondary");
  list.after(add);

  const renumber = () => {
    const all = rows();
    all.forEach((row, index) => {
      renameWithin(row, prefix, index);
      const name = `${item.charAt(0).toUpperCase()}${item.slice(1)} ${index + 1}`;
      row.querySelector("legend").textContent = name;
      const remove = row.querySelector("[data-add-another-remove]");
      remove.querySelector(".govuk-visually-hidden").textContent = ` ${item} ${index + 1}`;
      remove.classList.toggle(HIDDEN, all.length === 1);
    });
    add.classList.toggle(HIDDEN, all.length >= most);
  };

  const offerRemoval = (row) => {
    const remove = button("Remove", "govuk-button--secondary govuk-!-margin-bottom-0");
    remove.dataset.addAnotherRemove = "";
    const hidden = document.createElement("span");
    hidden.className = "govuk-visually-hidden";
    remove.append(hidden);
    remove.addEventListener("click", () => {
      const next = row.nextElementSibling;
      row.remove();
      renumber();
      // Focus moves on to what took the row's place: the next row, else the "Add another" button.
      const after = next && next.matches("[data-add-another-row]") ? next : null;
      (after ? after.querySelector("input, select, textarea") : add).focus();
    });
    row.append(remove);
  };

  rows().forEach(offerRemoval);
  add.addEventListener("click", () => {
    if (rows().length >= most) return;
    const row = template.cloneNode(true);
    list.append(row);
    offerRemoval(row);
    renumber();
    row.querySelector("input, select, textarea").focus();
  });
  renumber();

  const hint = document.querySelector(`[data-add-another-hint][data-add-another-for="${prefix}"]`);
  if (hint) hint.textContent = hint.dataset.addAnotherHint;
}

document.querySelectorAll("[data-add-another]").forEach(addAnother);
