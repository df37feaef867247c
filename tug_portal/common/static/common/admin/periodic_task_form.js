// django-celery-beat's crontab "translation" under the crontab field (its inline script, as a
// file so that the Content Security Policy allows it). Text is added as text, never as HTML.
'use strict';
{
    const $ = django.jQuery;
    const script = document.getElementById('periodic-task-overrides');
    const readableCrontabs = JSON.parse(document.getElementById('readable-crontabs').textContent);
    const originalHelp = script.dataset.crontabHelp;

    $('.field-crontab_translation').hide();
    $('.field-crontab').change(function () {
        const translation = readableCrontabs[$('#id_crontab').val()] || '';
        $('.field-crontab .help')
            .text(originalHelp)
            .append('<br>', document.createTextNode('Translation: ' + translation));
    });
}
