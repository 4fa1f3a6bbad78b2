;;; switchboard-test-helpers.el --- What the ERT tests share  -*- lexical-binding: t; -*-

;;; Commentary:

;; The tests drive the real daemon ($SWITCHBOARD_BIN) against the echo
;; upstream ($OPENAI_BASE_URL): chat answers "echo: <prompt>", streamed
;; in 3-character pieces, 0.2 s apart when the prompt contains SLOW;
;; FAIL401 gets an upstream 401; UPPERCASE gets the fenced block
;; upper-cased.  GET /echo/log tells what the daemon sent.  Every wait
;; is bounded.

;;; Code:

(require 'ert)
(require 'cl-lib)
(require 'json)
(require 'url)
(require 'url-http)
(require 'switchboard)

(defvar switchboard-tests-bin (getenv "SWITCHBOARD_BIN") "The daemon under test.")

(defun switchboard-tests-wait-until (predicate &optional seconds)
  "Process output until PREDICATE returns non-nil, at most SECONDS (10).
Return PREDICATE's last value."
  (let ((deadline (+ (float-time) (or seconds 10))))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (funcall predicate)))

(defun switchboard-tests-idle ()
  "Wait until no request is in flight; fail if that takes too long."
  (should (switchboard-tests-wait-until (lambda () (not (switchboard-busy-p))) 15)))

(defun switchboard-tests-text (&optional buffer)
  "The text of BUFFER (default: the current buffer)."
  (with-current-buffer (or buffer (current-buffer))
    (buffer-substring-no-properties (point-min) (point-max))))

(defun switchboard-tests-key (keys)
  "Run the command KEYS are bound to here, as if typed."
  (let ((command (key-binding (kbd keys))))
    (should command)
    (call-interactively command)))

(defun switchboard-tests-send (text)
  "Type TEXT at the end of the current chat buffer and send it with C-c RET."
  (goto-char (point-max))
  (insert text)
  (switchboard-tests-key "C-c RET"))

(defun switchboard-tests-chat-requests ()
  "The bodies of the chat requests the echo upstream received (alists), oldest first."
  (let* ((url-http-attempt-keepalives nil)
         (url (concat (replace-regexp-in-string "/v1/?\\'" "" (getenv "OPENAI_BASE_URL")) "/echo/log"))
         (buffer (url-retrieve-synchronously url t t 10)))
    (with-current-buffer buffer
      (goto-char (point-min))
      (re-search-forward "\r?\n\r?\n")
      (let* ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol)
             (log (json-read)))
        (kill-buffer buffer)
        (mapcar (lambda (r) (alist-get 'body r))
                (seq-filter (lambda (r) (and (equal (alist-get 'method r) "POST")
                                             (string-suffix-p "/chat/completions" (alist-get 'path r))))
                            (alist-get 'requests log)))))))

(defun switchboard-tests-last-messages ()
  "The messages of the last chat request the upstream received, as alists."
  (alist-get 'messages (car (last (switchboard-tests-chat-requests)))))

(defmacro switchboard-tests-with-daemon (&rest body)
  "Run BODY with the daemon under test and no chat yet; stop it after."
  (declare (indent 0) (debug t))
  `(let ((switchboard-command (list switchboard-tests-bin))
         (switchboard-config nil)
         (switchboard-model nil)
         (switchboard-profile nil)
         ;; (chats sent as the buffer holds them; switchboard-history-tests.el stores them)
         (switchboard-store nil)
         (switchboard-request-timeout 30))
     (should switchboard-tests-bin)
     (setq switchboard-chat--last nil
           switchboard-chat--store-unusable nil)
     (unwind-protect (progn ,@body)
       (switchboard-shutdown))))

(provide 'switchboard-test-helpers)
;;; switchboard-test-helpers.el ends here
