"""Django's temporary-file upload handler, but naming the temporary file without the upload's
"extension". Django builds that name as `<random>.upload<extension>`, where the extension is
whatever follows the last dot of the name the browser sent: a long one ("slides.pdf" followed by
150 accented letters) is more than a file system allows in a name, and the request failed while
it was read, before any form could say anything. The upload's own name is kept (Django shortens
it to 255 characters); what is stored is named by the forms' cleaners."""

import tempfile

from django.conf import settings
from django.core.files import uploadhandler
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile


class PlainTemporaryUploadedFile(TemporaryUploadedFile):
    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        # Open as long as the upload lives, closed with it (as Django's own).
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class TemporaryFileUploadHandler(uploadhandler.TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        uploadhandler.FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = PlainTemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
