// Submits forms marked data-autosubmit (e.g. the one-click unsubscribe page), so the page
// needs no inline script under the Content Security Policy.
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
