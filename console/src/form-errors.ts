import type { FieldProblems } from './api.ts';
import { h } from './dom.ts';

/** Removes the errors shown by showFieldErrors. */
export function clearFieldErrors(form: HTMLFormElement): void {
  form.querySelectorAll('.field-error, .form-errors').forEach((el) => el.remove());
  form.querySelectorAll('[aria-invalid]').forEach((el) => {
    el.removeAttribute('aria-invalid');
    const described = (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter((id) => id && !id.endsWith('-error'));
    if (described.length) el.setAttribute('aria-describedby', described.join(' '));
    else el.removeAttribute('aria-describedby');
  });
}

/** The form's field for a dotted path: `custom_data.tenant` is shown at `custom_data`. */
function fieldFor(form: HTMLFormElement, path: string): HTMLElement | null {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const name = parts.slice(0, n).join('.');
    const el = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`);
    if (el) return el;
  }
  return null;
}

/**
 * The API's 400 `data: {"<dotted.field>": {"<code>": {"message"}}}`, each message under its
 * field (tied to the control by aria-describedby), the rest above the buttons. The first
 * invalid control gets the focus.
 */
export function showFieldErrors(form: HTMLFormElement, problems: FieldProblems): void {
  clearFieldErrors(form);
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const [path, codes] of Object.entries(problems)) {
    const messages = Object.entries(codes).map(([code, d]) => `${d.message} (${code})`);
    const place = fieldFor(form, path);
    const control = place?.querySelector<HTMLElement>('input, select, textarea');
    if (!place || !control) {
      unplaced.push(`${path}: ${messages.join('; ')}`);
      continue;
    }
    const id = `${control.id}-error`;
    const label = place.dataset.field === path ? '' : `${path}: `;
    place.appendChild(h('p', { class: 'field-error', id }, `${label}${messages.join('; ')}`));
    control.setAttribute('aria-invalid', 'true');
    const described = control.getAttribute('aria-describedby');
    control.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
    first ??= control;
  }
  if (unplaced.length) {
    const submit = form.querySelector('.form-buttons');
    form.insertBefore(
      h(
        'ul',
        { class: 'form-errors' },
        unplaced.map((t) => h('li', {}, t)),
      ),
      submit,
    );
  }
  first?.focus();
}
