// Small shared pieces: the load/empty/error states officers read, and a confirm dialog on the
// native <dialog> (focus trap and Esc come with it).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      Memuat {what}…
    </p>
  );
}

export function ErrorBox({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Coba lagi
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

export function Confirm(props: {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  busy?: boolean;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          props.onConfirm();
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        {props.children}
        <div class="buttons">
          <button type="button" onClick={props.onCancel}>
            Batal
          </button>
          <button
            type="submit"
            class={props.danger ? 'danger' : 'primary'}
            disabled={props.busy || props.disabled}
          >
            {props.busy ? 'Memproses…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
