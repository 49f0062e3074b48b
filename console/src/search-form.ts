import { ApiFailure, type Page } from './api.ts';
import { field, h } from './dom.ts';
import { act, alertError } from './feedback.ts';
import { showFieldErrors } from './form-errors.ts';

export type FilterControl = HTMLInputElement | HTMLSelectElement;

/**
 * One filter of a search (attempts, events): its control, and how its value goes into the query
 * string — a new filter of the API is one more entry in the page's list.
 */
export interface Filter {
  name: string;
  label: string;
  hint?: string;
  /** The control showing `value`; `choices` are the values the API lists for this parameter. */
  control(value: string, choices: string[] | undefined): FilterControl;
  /** The query value for the API ('' leaves the filter out). */
  toQuery?(value: string): string;
}

/** A choice among the values the API lists (its OpenAPI enum), or none. */
export function choiceFilter(
  name: string,
  label: string,
  anyText: string,
  texts: Record<string, string> = {},
): Filter {
  return {
    name,
    label,
    control: (value, choices = []) =>
      h(
        'select',
        { name },
        h('option', { value: '' }, anyText),
        choices.map((c) => h('option', { value: c, selected: c === value }, texts[c] ?? c)),
      ),
  };
}

/** Free text (or a number), checked by the API, whose 400 is shown under the field. */
export function textFilter(
  name: string,
  label: string,
  hint?: string,
  props: Record<string, string | number> = {},
): Filter {
  return { name, label, hint, control: (value) => h('input', { name, value, ...props }) };
}

const localTime = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const isoOf = (local: string) => {
  const d = new Date(local);
  return local && !Number.isNaN(d.getTime()) ? d.toISOString() : '';
};
const timeFilter = (name: string, label: string): Filter => ({
  name,
  label,
  control: (value) => h('input', { name, type: 'datetime-local', value: localTime(value) }),
  toQuery: isoOf,
});

/** created_from and created_to, as every log search takes them (in the browser's time zone). */
export const TIME_RANGE: Filter[] = [
  timeFilter('created_from', 'From'),
  timeFilter('created_to', 'To'),
];

/** The API's query for the filters in the page's address (where a search keeps them). */
export function queryOf(filters: Filter[], address: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const f of filters) {
    const raw = address.get(f.name) ?? '';
    const value = f.toQuery ? f.toQuery(raw) : raw;
    if (value) query[f.name] = value;
  }
  return query;
}

/**
 * A search form over `filters`, filled from the page's address. Submitting hands the filters'
 * values to `onSearch` (which puts them in the address, so a search can be bookmarked or shared);
 * `refused` shows the API's 400 for them next to each field.
 */
export function searchForm(
  filters: Filter[],
  address: URLSearchParams,
  choices: Record<string, string[]>,
  onSearch: (params: URLSearchParams) => void,
  ...leading: HTMLElement[]
): { form: HTMLFormElement; refused(error: ApiFailure): void } {
  const controls = filters.map((f) => ({
    f,
    control: f.control(address.get(f.name) ?? '', choices[f.name]),
  }));
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card filters',
      role: 'search',
      // The API's rules speak (and are shown next to the field), not the browser's.
      novalidate: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        const params = new URLSearchParams();
        for (const { f, control } of controls) {
          const value = f.toQuery ? f.toQuery(control.value) : control.value.trim();
          if (value) params.set(f.name, value);
        }
        onSearch(params);
      },
    },
    leading,
    controls.map(({ f, control }) => field(f.label, control, f.hint)),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
    ),
  );
  return {
    form,
    refused: (error) => {
      showFieldErrors(form, error.fields);
      alertError(error);
    },
  };
}

/**
 * A newest-first list shown a page at a time: a count announced politely, and a "Load more"
 * button while the API has a next page. `load` shows the first page, or answers the API's
 * refusal of the filters (a 400 naming fields) for the form to show; any other failure throws.
 */
export function pagedResults<T>(
  noun: string,
  fetchPage: (startKey?: string) => Promise<Page<T[]>>,
  addItem: (item: T) => void,
): { count: HTMLElement; more: HTMLButtonElement; load(): Promise<ApiFailure | undefined> } {
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const count = h('p', { 'aria-live': 'polite', class: 'result-count' });
  let shown = 0;
  const append = (page: Page<T[]>) => {
    page.data.forEach(addItem);
    shown += page.data.length;
    count.textContent =
      shown === 0
        ? `No ${noun}s match.`
        : `${shown} ${noun}(s)${page.next_start_key ? ', more available' : ''}.`;
    more.hidden = !page.next_start_key;
    more.onclick = () =>
      act(more, 'Loading', () => fetchPage(page.next_start_key), {
        done: (p) => (append(p), `Loaded ${p.data.length} more.`),
      });
  };
  const load = async () => {
    try {
      append(await fetchPage());
      return undefined;
    } catch (error) {
      if (!(error instanceof ApiFailure) || Object.keys(error.fields).length === 0) throw error;
      count.textContent = 'The search was refused: correct the filters shown.';
      return error;
    }
  };
  return { count, more, load };
}
