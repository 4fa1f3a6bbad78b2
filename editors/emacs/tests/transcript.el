;;; transcript.el --- A real session, for the README  -*- lexical-binding: t; -*-

;;; Commentary:

;; Runs the interactive commands in batch mode, where the minibuffer
;; reads its answers from stdin, then prints the *switchboard* buffer:
;;
;;   printf '%s\n' gpt-4o 'What is a switchboard?' "$SWITCHBOARD_TEST_PNG" \
;;       'SLOW: tell me a long story' 'FAIL401 on purpose' \
;;     | emacs --batch -Q -L editors/emacs -l editors/emacs/tests/transcript.el

;;; Code:

(require 'switchboard)

(setq switchboard-command (list (or (getenv "SWITCHBOARD_BIN") "switchboard")))

(defun transcript--settle (seconds)
  "Process output for SECONDS, or until no request is in flight."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (switchboard-busy-p) (< (float-time) deadline))
      (accept-process-output nil 0.05))))

(call-interactively #'switchboard-select-model)
(call-interactively #'switchboard-chat)
(transcript--settle 10)
(call-interactively #'switchboard-describe-image)
(transcript--settle 10)
(call-interactively #'switchboard-chat)
(transcript--settle 1.3)                ; the SLOW answer is still streaming
(with-current-buffer (switchboard--buffer)
  (call-interactively (key-binding (kbd "C-c C-k"))))
(transcript--settle 10)
(call-interactively #'switchboard-chat)
(transcript--settle 10)
(switchboard-shutdown)
(princ (format "\n---- %s ----\n%s---- end ----\n" switchboard-buffer-name
               (with-current-buffer (switchboard--buffer)
                 (buffer-substring-no-properties (point-min) (point-max)))))

;;; transcript.el ends here
